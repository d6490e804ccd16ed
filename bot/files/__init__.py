"""Watch and phone files: FIT, GPX, TCX (gzipped or in a zip) read and logged."""
