"""The camera's kernel side: live frames (``frames``), ``maxDuration`` trimming (``trim``) and what the
pick does with a capture (``captures``). The page owns the camera itself."""
