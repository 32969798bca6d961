"""Live connectors against fake platform servers (httpx transports and loopback HTTP)."""
