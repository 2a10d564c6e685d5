"""Product IDs (شناسه کالا): headings, registration, supervision, dedupe, barcodes."""
