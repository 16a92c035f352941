"""Reading and writing files: raw-run readers (ANDI-MS, mzML, JCAMP-DX, Agilent .D), import to a scan cube, libraries and MSP."""
