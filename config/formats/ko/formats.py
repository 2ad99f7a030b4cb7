"""Korean: "2026년 12월 1일" and "2026년 12월 1일 09:00 KST"."""

DATE_FORMAT = "Y년 n월 j일"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"  # clock times (a send hour) have no zone of their own
DATETIME_FORMAT = "Y년 n월 j일 H:i T"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
