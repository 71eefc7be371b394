"""Run the real program without the Pulumi engine: the mock engine, stack config loading, the offline plan."""
