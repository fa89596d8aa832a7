"""egressguard: the egress firewall for AI-agent sandboxes (a mitmproxy addon)."""

__version__ = "0.1.0"
