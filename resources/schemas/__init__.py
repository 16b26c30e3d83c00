"""XML schemas of the files Paksa writes for others (bank payment files), validated before they leave."""
