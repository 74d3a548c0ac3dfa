"""Every file posecoach reads or writes, as a pydantic model: one way to validate.

One module per format (``report``, ``profile``, ``routine``, ``labels``, ``track``, ``session``,
``manifest``) and ``errors``, which turns a pydantic ``ValidationError`` into the same one-line
message specs give (file, place, what is wrong, what to do). The models here know nothing of cv2
or mediapipe, so reading a file never loads the pose model.
"""
