"""The metrics/health listener and the admin (approvals) listener, on tornado (already in
mitmproxy's dependency tree) and on the proxy's own event loop: no threads, no new deps."""
