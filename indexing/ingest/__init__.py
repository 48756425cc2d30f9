"""Ingest: files into catalog rows, thumbnails and vectors (walk, read, decode, hash, embed)."""
