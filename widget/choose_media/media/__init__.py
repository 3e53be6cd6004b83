"""Media in the kernel: recognising bytes (sniff), Pillow images, ffmpeg videos, previews, and the pipeline
from a received file to a ``tempFiles`` entry. Pure functions over paths; no widget."""
