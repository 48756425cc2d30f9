"""Models: CLIP through open_clip (lazy load, preprocessing, batching, device choice)."""
