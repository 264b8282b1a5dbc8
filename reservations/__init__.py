"""The reservation core: every rule, every write, every audit row."""
