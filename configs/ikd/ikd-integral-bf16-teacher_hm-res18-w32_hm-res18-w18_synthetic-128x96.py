# IKD variant: the integral recipe with the teacher's forward in bfloat16
# (autocast; outputs cast back to float32 for the losses), a cheaper teacher
# where the hardware has fast bf16. Compare its AP with the fp32 recipe's.
_base_ = ['./ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py']

model = dict(teacher_dtype='bfloat16')
