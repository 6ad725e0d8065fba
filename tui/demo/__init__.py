"""The embedded demo server: real HTTP and websockets on 127.0.0.1, speaking OpenHands' protocol."""
