"""What every component shares: its type token and legacy aliases, the options its children inherit, and the one way
it refuses bad arguments (`ComponentArgsError`, listing every problem against its property)."""
