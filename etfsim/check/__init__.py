"""Independent checks of etfsim's numbers against other open-source engines."""
