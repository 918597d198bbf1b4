"""The command line: headless use of every use case, for writers' scripts and CI."""
