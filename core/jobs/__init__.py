"""Jobs: the positions candidates are interviewed for, with their requirements and location."""
