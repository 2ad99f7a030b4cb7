"""The portal's own date formats, one per language (``FORMAT_MODULE_PATH``).

Staff and customers read one date format and one date-time format per language, everywhere: Django's
defaults mix "Dec. 1, 2026", "12/01/2026" and "2026-12-1" depending on the format name a template asks
for. Every date-time carries its zone's abbreviation ("KST", "EST", "UTC"), so an instant never reads
without its zone. Input formats are not set here: Django's own for the language still apply.
"""
