"""Training loops, one Lightning module per model family. Nothing outside imports train/."""
