"""The function's world outside its environment: a local AWS (moto) that handlers reach with
boto3, the triggers that call functions (event source mappings, S3 notifications, an HTTP front
end), and the way out to real AWS (package, export, deploy).

Nothing here is imported by `import lambda_nb`: each part is loaded when it is first used.
"""
