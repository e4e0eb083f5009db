"""Provider clients and the provider-neutral vehicle model.

Pure asyncio and aiohttp: nothing here imports Home Assistant, so the package could be published on
its own. Each provider has one module; they all speak the model in `model.py` and raise the errors in
`errors.py`.
"""
