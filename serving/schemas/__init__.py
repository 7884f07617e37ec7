"""Request and response models of the API (v1), one module per endpoint group; the parts every
answer shares (field types, served model, prediction, contributions) are in :mod:`.common`."""
