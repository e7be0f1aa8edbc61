"""Rules for the (fictional) ACME relay, shipped as a bouncekit rule plugin."""
