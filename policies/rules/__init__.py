"""Policy rules as plain functions: each takes resource properties and returns violation messages."""
