"""Each platform's payloads and live client, against recorded payloads and fake servers."""
