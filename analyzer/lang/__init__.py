"""One parser front per language; each returns its tree with positions in code points."""
