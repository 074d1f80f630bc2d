"""The knowledge base: its typed model and the loader that builds it from files."""
