"""Where series come from: local mail, lore (b4), git ranges."""
