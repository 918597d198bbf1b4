"""Use cases over the domain, and the ports (Protocols) the adapters implement."""
