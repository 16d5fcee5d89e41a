"""Chinese working-day arithmetic (holidays and 调休 make-up workdays)."""
