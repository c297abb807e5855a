"""File intake, pure part: read and validate the exchange files of spec/data-formats.md.

Nothing here touches the database. `reader.open_records(stream, spec)` streams validated
`Record`s of one file; `formats` declares the four file kinds (DECLARATIONS, TARIFF, PREFERENTIAL,
OUTCOMES); `kcs` adapts the public KCS benchmark files to DECLARATIONS and OUTCOMES records;
`problems` holds what goes wrong, always with line, column, value and reason.
"""
