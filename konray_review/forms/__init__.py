"""XLSForm questionnaires built from the standard data."""
