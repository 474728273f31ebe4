"""Date and number formats per language (FORMAT_MODULE_PATH), where the store departs from
Django's: dates as shoppers write them, times on the 24-hour clock. Anything not named here
is Django's own for the language (input formats, separators). Money is formatted by Babel in
store/money.py."""
