"""Qt style sheets loaded with importlib.resources."""
