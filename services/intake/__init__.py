"""intake: receives application dossiers at the commune (tiếp nhận hồ sơ) and opens cases."""
