"""Turning folders of files into catalog rows, metadata, hashes and vectors."""
