"""Running clubs: the coach in groups (board, challenge, digest) and linked channels."""
