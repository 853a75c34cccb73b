"""Pure ``nn.Module`` building blocks; no file formats and no I/O here."""
