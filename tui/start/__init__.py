"""What runs before the rest is imported: the first screen at once (`first_frame`) and the
version. Standard library only (and ohtop's private files), so `ohtop` draws at once."""
