"""The SHA-256 of a file, read in blocks (checkpoints can be large)."""
import hashlib

_BLOCK_BYTES = 1 << 20


def file_sha256(path: str) -> str:
    """Hex SHA-256 of the file at ``path``."""
    sha = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(_BLOCK_BYTES), b''):
            sha.update(block)
    return sha.hexdigest()
