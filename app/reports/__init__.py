"""Progress reports and national figures for the support service."""
