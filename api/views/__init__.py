"""The REST API under /api/v1/ (module per subject); every view is limited to
the calling token's agency subtree."""
