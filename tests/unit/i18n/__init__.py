"""Tests of desk.i18n."""
