"""Turn reports and outcomes into text, JSON, annotations and e-mail."""
