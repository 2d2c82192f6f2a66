"""Intelligent customer-service runtime."""

__version__ = "0.1.0"
