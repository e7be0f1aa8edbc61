"""Rules built in code: the ACME VIP relays filter everything they refuse."""

from bouncekit.rules import Rule


def rules() -> list[Rule]:
    return [Rule(id="acme.vip-relay", remote_mta=r"(?i)\.vip\.acme\.example$", group="filtered",
                 note="ACME's VIP relays only refuse by filter.")]
