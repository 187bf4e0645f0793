"""Offline models: a small sentence encoder and the linear heads trained on Charter's corpus."""
