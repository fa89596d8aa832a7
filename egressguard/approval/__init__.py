"""The approval gate: requests held until a person says yes (pure bookkeeping)."""
