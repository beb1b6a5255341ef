"""Pure domain logic: no I/O beyond reading packaged assets, no Textual, no ORM."""
