"""Connectors: trainable maps from a student feature to the teacher's shape."""
from .conv_connector import ConvBNConnector, ConvConnector
from .identity_connector import IdentityConnector

__all__ = ['ConvBNConnector', 'ConvConnector', 'IdentityConnector']
