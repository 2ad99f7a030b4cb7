"""English: "1 Dec 2026" and "1 Dec 2026, 09:00 KST" (day first, month as a word: read the same way
in Seoul and New York)."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"  # clock times (a send hour) have no zone of their own
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
