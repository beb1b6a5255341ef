"""Storage: SQLModel tables, the engine (SQLite default, PostgreSQL by URL) and migrations."""
